// Workers' portal: progressive enhancement only. Without JavaScript the typed-place search
// still works; with it, "使用我的位置" fills the coordinates from the phone and submits.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var button = document.getElementById("locate");
  if (!button) return;
  var msg = document.getElementById("locate-msg");
  if (!("geolocation" in navigator)) {
    button.disabled = true;
    if (msg) msg.textContent = "此浏览器不支持定位，请输入地点查找。";
    return;
  }
  button.addEventListener("click", function () {
    button.disabled = true;
    if (msg) msg.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        document.getElementById("f-lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("f-lng").value = pos.coords.longitude.toFixed(6);
        document.getElementById("place").value = "";
        document.getElementById("finder").submit();
      },
      function () {
        button.disabled = false;
        if (msg) msg.textContent = "无法获取位置，请允许定位或输入地点查找。";
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 }
    );
  });
})();
