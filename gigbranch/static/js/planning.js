/* Coverage planning (PLAN-1): demand hexes, existing sites with their service radius, the
   uncovered demand, and proposals drawn on the map. Works with no tile server: region
   boundaries (map-areas.js) are the base layer. */
(function () {
  "use strict";
  var L = window.L;
  var el = document.getElementById("plan-page");
  var mapEl = document.getElementById("plan-map");
  if (!el || !mapEl || !L) return;
  var page = JSON.parse(el.textContent);
  var form = document.getElementById("plan-form");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var $ = function (id) { return document.getElementById(id); };
  var state = { candidates: [], pinned: [], excluded: [], clickCount: 0, last: null, layers: null, res: null };

  var map = L.map(mapEl, { preferCanvas: true, attributionControl: !!page.tiles });
  if (page.tiles) {
    L.tileLayer(page.tiles, { attribution: page.attribution, maxZoom: 18 }).addTo(map);
  } else {
    mapEl.classList.add("gb-no-tiles");
  }
  map.setView(page.center || [30, 120], page.center ? 11 : 5);
  var groups = {
    hexes: L.layerGroup().addTo(map),
    served: L.layerGroup().addTo(map),
    uncovered: L.layerGroup().addTo(map),
    branches: L.layerGroup().addTo(map),
    stations: L.layerGroup().addTo(map),
    checkins: L.layerGroup(),
    appeals: L.layerGroup(),
    candidates: L.layerGroup().addTo(map),
    chosen: L.layerGroup().addTo(map)
  };
  L.control.layers(null, {
    "需求（六边形）": groups.hexes,
    "现有服务半径": groups.served,
    "未覆盖需求": groups.uncovered,
    "现有党组织": groups.branches,
    "现有服务站点": groups.stations,
    "驿站打卡次数": groups.checkins,
    "诉求位置": groups.appeals,
    "候选点": groups.candidates,
    "方案选址": groups.chosen
  }, { collapsed: false }).addTo(map);

  function km(lat1, lng1, lat2, lng2) {
    var r = Math.PI / 180, p1 = lat1 * r, p2 = lat2 * r;
    var a = Math.pow(Math.sin((p2 - p1) / 2), 2) +
      Math.cos(p1) * Math.cos(p2) * Math.pow(Math.sin((lng2 - lng1) * r / 2), 2);
    return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function kind() { return $("plan-kind").value; }
  function radius() { return parseFloat($("plan-radius").value) || page.radius[kind()] || 1.5; }
  function resFor(zoom) { return Math.max(5, Math.min(9, zoom - 4)); }
  function url(base, params) {
    var q = Object.keys(params).map(function (k) { return k + "=" + encodeURIComponent(params[k]); });
    return base + (base.indexOf("?") < 0 ? "?" : "&") + q.join("&");
  }
  function fmt(n) { return n === null || n === undefined ? "—" : String(n); }

  function drawHexes(hexes) {
    groups.hexes.clearLayers();
    var max = 1;
    hexes.features.forEach(function (f) { max = Math.max(max, f.properties.workers); });
    L.geoJSON(hexes, {
      style: function (f) {
        var t = Math.sqrt(f.properties.workers / max);
        return { color: "#b71c1c", weight: 0.6, fillColor: "#e53935", fillOpacity: 0.12 + 0.55 * t };
      },
      onEachFeature: function (f, shape) {
        shape.bindTooltip("需求 " + f.properties.workers + " 人（" + f.properties.workplaces + " 家企业/站点）");
      }
    }).addTo(groups.hexes);
    mapEl.setAttribute("data-hexes", String(hexes.features.length));
    mapEl.setAttribute("data-resolution", String(hexes.resolution));
  }

  /* The gap for the chosen kind and radius: workplaces no existing site of that kind serves. */
  function drawGap() {
    var data = state.layers;
    if (!data) return;
    var sites = kind() === "branch" ? data.branches : data.stations;
    var r = radius(), total = 0, gap = 0, gapCount = 0;
    groups.served.clearLayers();
    groups.uncovered.clearLayers();
    sites.forEach(function (s) {
      L.circle([s[0], s[1]], { radius: r * 1000, color: kind() === "branch" ? "#c62828" : "#1565c0", weight: 1, fillOpacity: 0.06, interactive: false }).addTo(groups.served);
    });
    data.workplaces.forEach(function (w) {
      total += w[2];
      var served = sites.some(function (s) { return km(w[0], w[1], s[0], s[1]) <= r; });
      if (!served && w[2] > 0) {
        gap += w[2];
        gapCount += 1;
        L.circleMarker([w[0], w[1]], { radius: 3 + Math.min(6, Math.sqrt(w[2]) / 3), color: "#6d4c41", weight: 2, fillColor: "#fff", fillOpacity: 0.9 })
          .bindTooltip(w[3] + "：" + w[2] + " 人，未在现有站点服务半径内").addTo(groups.uncovered);
      }
    });
    var pct = total ? Math.round(1000 * gap / total) / 10 : 0;
    $("plan-gap").textContent = "按当前类型和半径（" + r + " 公里），未覆盖需求 " + gap + " 人（" + pct + "%），分布在 " +
      gapCount + " 家企业/站点；需求总数 " + total + " 人。";
    mapEl.setAttribute("data-gap", String(gap));
  }

  function loadLayers(fit) {
    var zoom = map.getZoom();
    state.res = resFor(zoom);
    return fetch(url(page.layers_url, { region: $("plan-region").value, zoom: zoom }), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        state.layers = data;
        drawHexes(data.hexes);
        groups.branches.clearLayers();
        groups.stations.clearLayers();
        groups.checkins.clearLayers();
        groups.appeals.clearLayers();
        data.branches.forEach(function (b) {
          L.circleMarker([b[0], b[1]], { radius: 5, color: "#fff", weight: 1, fillColor: "#c62828", fillOpacity: 1 }).bindTooltip(b[2] + "（党组织）").addTo(groups.branches);
        });
        data.stations.forEach(function (s) {
          L.circleMarker([s[0], s[1]], { radius: 6, color: "#fff", weight: 1, fillColor: "#1565c0", fillOpacity: 1 }).bindTooltip(s[2] + "（服务站点）").addTo(groups.stations);
        });
        data.checkins.forEach(function (c) {
          L.circleMarker([c[0], c[1]], { radius: 4 + Math.min(14, Math.sqrt(c[2])), color: "#00838f", weight: 1, fillOpacity: 0.3 }).bindTooltip(c[3] + "：近一年打卡 " + c[2] + " 次").addTo(groups.checkins);
        });
        data.appeals.forEach(function (a) {
          L.circleMarker([a[0], a[1]], { radius: 2, color: "#6a1b9a", weight: 1, fillOpacity: 0.6 }).addTo(groups.appeals);
        });
        drawGap();
        if (fit) {
          var areas = window.gbAreas ? window.gbAreas(map, data.areas) : null;
          map.invalidateSize();
          if (areas && areas.getBounds().isValid()) {
            map.fitBounds(areas.getBounds(), { padding: [10, 10] });
          } else if (data.workplaces.length) {
            map.fitBounds(data.workplaces.map(function (w) { return [w[0], w[1]]; }), { padding: [20, 20], maxZoom: 14 });
          }
        }
        mapEl.setAttribute("data-ready", "1");
      });
  }

  map.on("zoomend", function () {
    if (state.layers && resFor(map.getZoom()) !== state.res) {
      state.res = resFor(map.getZoom());
      fetch(url(page.layers_url, { region: $("plan-region").value, zoom: map.getZoom() }), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { drawHexes(data.hexes); });
    }
  });
  $("plan-kind").addEventListener("change", function () {
    $("plan-radius").value = page.radius[kind()];
    drawGap();
  });
  $("plan-radius").addEventListener("change", drawGap);
  $("plan-region").addEventListener("change", function () {
    window.location.search = "?region=" + encodeURIComponent($("plan-region").value);
  });

  // --- Candidates: map clicks and an Excel list -------------------------------------------
  function drawCandidates() {
    var list = $("plan-candidates");
    list.textContent = "";
    groups.candidates.clearLayers();
    state.candidates.forEach(function (c, i) {
      var li = document.createElement("li");
      li.textContent = c.name + "（" + c.lat.toFixed(5) + ", " + c.lng.toFixed(5) + "） ";
      var rm = document.createElement("button");
      rm.type = "button";
      rm.className = "btn btn-link btn-sm p-0";
      rm.textContent = "移除";
      rm.addEventListener("click", function () { state.candidates.splice(i, 1); drawCandidates(); });
      li.appendChild(rm);
      list.appendChild(li);
      L.circleMarker([c.lat, c.lng], { radius: 5, color: "#2e7d32", weight: 2, fillColor: "#fff", fillOpacity: 1, dashArray: "2 2" })
        .bindTooltip("候选点：" + c.name).addTo(groups.candidates);
    });
  }
  map.on("click", function (e) {
    if (!$("plan-click").checked) return;
    state.clickCount += 1;
    state.candidates.push({ key: "p" + state.clickCount, name: "地图点选" + state.clickCount, lat: +e.latlng.lat.toFixed(6), lng: +e.latlng.lng.toFixed(6), source: "point" });
    drawCandidates();
  });
  $("plan-upload").addEventListener("change", function () {
    var file = this.files && this.files[0];
    if (!file) return;
    var body = new FormData();
    body.append("file", file);
    $("plan-upload-errors").textContent = "";
    fetch(page.upload_url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrf } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        (data.rows || []).forEach(function (row) { state.candidates.push(row); });
        var errors = (data.errors || []).slice();
        if (data.detail && !data.rows.length) errors.unshift(data.detail);
        $("plan-upload-errors").textContent = errors.join(" ");
        drawCandidates();
      });
  });

  // --- Proposals --------------------------------------------------------------------------
  function request() {
    return {
      region: $("plan-region").value,
      kind: kind(),
      k: parseInt($("plan-k").value, 10),
      radius_km: radius(),
      use_workplaces: $("plan-use-workplaces").checked,
      exact: $("plan-exact").checked,
      candidates: state.candidates,
      pinned: state.pinned,
      excluded: state.excluded
    };
  }
  function post(target, body) {
    return fetch(target, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; }); });
  }
  function errorText(data) {
    var parts = [];
    Object.keys(data.errors || {}).forEach(function (k) { parts = parts.concat(data.errors[k]); });
    return parts.length ? parts.join(" ") : (data.detail || "请求失败。");
  }
  var sourceLabels = { workplace: "企业/站点", point: "地图点选", upload: "导入", station: "服务站点" };

  function toggle(list, key) {
    var i = list.indexOf(key);
    if (i >= 0) { list.splice(i, 1); } else { list.push(key); }
  }
  function showResult(res) {
    state.last = res;
    $("plan-result").hidden = false;
    $("plan-rate").innerHTML = "";
    $("plan-rate").textContent = fmt(res.rate_before) + "% → " + fmt(res.rate_after) + "%";
    $("plan-workers").textContent = res.workers_before + " → " + res.workers_after;
    $("plan-new").textContent = "+" + (res.workers_after - res.workers_before);
    if (res.exact) {
      $("plan-exact-gap").textContent = res.exact.gap_percent + "%";
      $("plan-exact-label").textContent = "与精确最优解的差距（最优覆盖 " + res.exact.workers_after + " 人" + (res.exact.optimal ? "" : "，求解超时，未证明最优") + "）";
    } else {
      $("plan-exact-gap").textContent = "—";
      $("plan-exact-label").textContent = "未计算精确最优解";
    }
    var notes = $("plan-notes");
    notes.hidden = !res.notes.length;
    notes.textContent = res.notes.join(" ");
    $("plan-method").textContent = res.method + " 快速方案用时 " + res.greedy_seconds + " 秒；候选点 " + res.candidate_count + " 个。";
    var tbody = $("plan-table").querySelector("tbody");
    tbody.textContent = "";
    groups.chosen.clearLayers();
    res.chosen.forEach(function (c, i) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-key", c.key);
      var cells = [String(i + 1), c.name + (c.pinned ? "（必选）" : ""), sourceLabels[c.source] || c.source, String(c.workers_new)];
      cells.forEach(function (text, j) {
        var td = document.createElement("td");
        td.textContent = text;
        if (j === 3) td.className = "text-end";
        tr.appendChild(td);
      });
      var act = document.createElement("td");
      var pin = document.createElement("button");
      pin.type = "button";
      pin.className = "btn btn-sm " + (state.pinned.indexOf(c.key) >= 0 ? "btn-success" : "btn-outline-success") + " me-1 plan-pin";
      pin.textContent = state.pinned.indexOf(c.key) >= 0 ? "取消必选" : "设为必选";
      pin.addEventListener("click", function () { toggle(state.pinned, c.key); showResult(state.last); hint(); });
      var ex = document.createElement("button");
      ex.type = "button";
      ex.className = "btn btn-sm btn-outline-secondary plan-exclude";
      ex.textContent = "排除";
      ex.addEventListener("click", function () {
        toggle(state.excluded, c.key);
        var p = state.pinned.indexOf(c.key);
        if (p >= 0) state.pinned.splice(p, 1);
        tr.classList.add("text-decoration-line-through");
        hint();
      });
      act.appendChild(pin);
      act.appendChild(ex);
      tr.appendChild(act);
      tbody.appendChild(tr);
      L.circle([c.lat, c.lng], { radius: res.radius_km * 1000, color: "#2e7d32", weight: 2, fillColor: "#66bb6a", fillOpacity: 0.15 }).addTo(groups.chosen);
      L.marker([c.lat, c.lng], { icon: L.divIcon({ className: "gb-plan-label", html: String(i + 1), iconSize: [18, 18] }) })
        .bindTooltip((i + 1) + ". " + c.name + "：新增覆盖 " + c.workers_new + " 人").addTo(groups.chosen);
    });
    mapEl.setAttribute("data-chosen", String(res.chosen.length));
  }
  function hint() {
    $("plan-form-errors").className = "small text-success mb-2";
    $("plan-form-errors").textContent = "必选 " + state.pinned.length + " 个、排除 " + state.excluded.length + " 个：请再次点击“计算选址方案”。";
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    $("plan-form-errors").className = "small text-danger mb-2";
    $("plan-form-errors").textContent = "";
    $("plan-run").disabled = true;
    post(page.propose_url, request()).then(function (r) {
      $("plan-run").disabled = false;
      if (!r.ok) { $("plan-form-errors").textContent = errorText(r.data); return; }
      showResult(r.data);
    }).catch(function () { $("plan-run").disabled = false; $("plan-form-errors").textContent = "网络错误，请重试。"; });
  });
  var saveForm = $("plan-save");
  if (saveForm) {
    saveForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = request();
      body.name = $("plan-name").value;
      $("plan-save-errors").textContent = "";
      post(page.save_url, body).then(function (r) {
        if (!r.ok) { $("plan-save-errors").textContent = errorText(r.data); return; }
        window.location.href = r.data.url;
      });
    });
  }
  loadLayers(true);
})();
