"""The rules the system cites, by ID: the Chinese name users read and the document it
comes from (../shared/domain/rules.md). Pages show the name and source; the ID stays as a
small reference for staff (`{% rule_ref "APL-4" %}`, `{{ finding.rule_id|rule_name }}`).
"""

from __future__ import annotations

from dataclasses import dataclass

BRANCH_REGS = "《中国共产党支部工作条例（试行）》"
RECRUITMENT_REGS = "《中国共产党发展党员工作细则》"
EDUCATION_REGS = "《中国共产党党员教育管理工作条例》"
DUES_REGS = "《关于中国共产党党费收缴、使用和管理的规定》"
TERMS = "《关于党的基层组织任期的意见》"
APPEALS = "本县诉求办理时限规定（参照12345接诉即办）"
BURDEN = "《整治形式主义为基层减负若干规定》"


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    source: str

    @property
    def label(self) -> str:
        return f"{self.source}：{self.name}"


_RULES = [
    Rule("ORG-1", "正式党员3人以上的单位应单独成立党支部", f"{BRANCH_REGS}第五条"),
    Rule("ORG-2", "联合党支部覆盖单位一般不超过5个", f"{BRANCH_REGS}第五条"),
    Rule("ORG-3", "党支部党员人数一般不超过50人", f"{BRANCH_REGS}第五条"),
    Rule("ORG-4", "正式党员7人以上的党支部设立支部委员会", f"{BRANCH_REGS}第十七条"),
    Rule("ORG-5", "基层党组织按期换届", TERMS),
    Rule("ORG-6", "党总支、基层党委按党员人数设立", f"{BRANCH_REGS}第五条"),
    Rule("ORG-7", "流动党员相对集中的可建立党组织", f"{EDUCATION_REGS}第二十五条"),
    Rule("ORG-8", "党支部设书记，空缺应及时配备", f"{BRANCH_REGS}第十七条"),
    Rule("LIFE-1", "支部党员大会一般每季度召开1次", f"{BRANCH_REGS}第十九条"),
    Rule("LIFE-2", "支部委员会会议一般每月召开1次", f"{BRANCH_REGS}第十九条"),
    Rule("LIFE-3", "党小组会一般每月召开1次", f"{BRANCH_REGS}第十九条"),
    Rule("LIFE-4", "党课", f"{BRANCH_REGS}第十九条"),
    Rule("LIFE-5", "每月相对固定一天开展主题党日", f"{BRANCH_REGS}第十九条"),
    Rule("LIFE-6", "组织生活会一般每年召开1次", f"{BRANCH_REGS}第二十条"),
    Rule("LIFE-7", "民主评议党员一般每年开展1次", f"{BRANCH_REGS}第二十一条"),
    Rule("LIFE-8", "谈心谈话每年至少1次", f"{BRANCH_REGS}第二十二条"),
    Rule("REC-AGE", "年满十八岁方可申请入党", "《中国共产党章程》第一条"),
    Rule("REC-ORDER", "发展党员按程序和时限办理", RECRUITMENT_REGS),
    Rule("REC-VOTE", "支部大会表决须超过应到会有表决权党员的半数", f"{RECRUITMENT_REGS}第二十三条"),
    Rule("REC-PROB", "预备期一年，可延长一次（6个月至1年）", f"{RECRUITMENT_REGS}第三十二条"),
    Rule("DUES-1", "有工资收入的党员按月工资税后收入计交", f"{DUES_REGS}第一部分"),
    Rule("DUES-2", "无固定工资收入的党员按上季度月平均纯收入计交", f"{DUES_REGS}第一部分"),
    Rule("DUES-3", "离退休党员按基本离退休费计交", f"{DUES_REGS}第一部分"),
    Rule("DUES-4", "学生、失业等党员每月交纳0.2元", f"{DUES_REGS}第一部分"),
    Rule("DUES-5", "按月交纳，补交一般不超过6个月", f"{DUES_REGS}第二部分"),
    Rule("DUES-6", "连续6个月不交纳党费的，按自行脱党处理前须经支部研究", f"{DUES_REGS}第二部分"),
    Rule("MOB-1", "外出6个月以上的应转移组织关系", f"{EDUCATION_REGS}第二十三条"),
    Rule("MOB-2", "持流动党员活动证在流入地参加组织生活", f"{EDUCATION_REGS}第二十四条"),
    Rule("MOB-3", "接收前转出党组织仍负管理责任，不得无故拒转拒接", f"{EDUCATION_REGS}第二十三条"),
    Rule("MOB-4", "失去联系6个月以上的，党支部应研究停止党籍", f"{EDUCATION_REGS}第三十条"),
    Rule("APL-1", "2个工作小时内受理（紧急30分钟）", APPEALS),
    Rule("APL-2", "按紧急程度在时限内答复办理结果", APPEALS),
    Rule("APL-3", "工作时间按国家法定节假日和调休计算", APPEALS),
    Rule("APL-4", "按响应率、解决率、满意率考核办理结果", APPEALS),
    Rule("APL-5", "诉求不丢失、不重复受理", APPEALS),
    Rule("BURDEN-1", "一次录入，多处使用", BURDEN),
    Rule("BURDEN-2", "不以打卡、积分、学习时长等排名考核", BURDEN),
    Rule("BURDEN-3", "不以照片留痕作为工作依据", BURDEN),
    Rule("BURDEN-4", "不强制下载应用", "《政务移动互联网应用程序规范化管理办法》"),
    Rule("BURDEN-5", "向上报送以导出或接口代替填表", BURDEN),
]
RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def rule(rule_id: str) -> Rule | None:
    return RULES.get(rule_id)
