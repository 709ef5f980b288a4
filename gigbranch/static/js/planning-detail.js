/* A saved proposal on the map: boundaries, existing sites, the chosen sites and their radius
   (and the compared proposal's sites, hollow). */
(function () {
  "use strict";
  var L = window.L;
  var el = document.getElementById("proposal-page");
  var mapEl = document.getElementById("proposal-map");
  if (!el || !mapEl || !L) return;
  var page = JSON.parse(el.textContent);
  var map = L.map(mapEl, { preferCanvas: true, attributionControl: !!page.tiles });
  if (page.tiles) {
    L.tileLayer(page.tiles, { attribution: page.attribution, maxZoom: 18 }).addTo(map);
  } else {
    mapEl.classList.add("gb-no-tiles");
  }
  var res = page.result, bounds = [];
  map.setView([30, 120], 5);
  (res.existing || []).forEach(function (s) {
    L.circleMarker([s.lat, s.lng], { radius: 5, color: "#fff", weight: 1, fillColor: s.source === "station" ? "#1565c0" : "#c62828", fillOpacity: 1 }).bindTooltip(s.name).addTo(map);
  });
  (res.chosen || []).forEach(function (c, i) {
    L.circle([c.lat, c.lng], { radius: res.radius_km * 1000, color: "#2e7d32", weight: 2, fillColor: "#66bb6a", fillOpacity: 0.15 }).addTo(map);
    L.marker([c.lat, c.lng], { icon: L.divIcon({ className: "gb-plan-label", html: String(i + 1), iconSize: [18, 18] }) })
      .bindTooltip((i + 1) + ". " + c.name + "：新增覆盖 " + c.workers_new + " 人").addTo(map);
    bounds.push([c.lat, c.lng]);
  });
  if (page.compare) {
    (page.compare.chosen || []).forEach(function (c) {
      L.circle([c.lat, c.lng], { radius: page.compare.radius_km * 1000, color: "#6a1b9a", weight: 2, dashArray: "5 4", fill: false }).bindTooltip("比较方案：" + c.name).addTo(map);
    });
  }
  fetch(page.layers_url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    var areas = window.gbAreas ? window.gbAreas(map, data.areas) : null;
    map.invalidateSize();
    if (areas && areas.getBounds().isValid()) {
      map.fitBounds(areas.getBounds(), { padding: [10, 10] });
    } else if (bounds.length) {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
    }
    mapEl.setAttribute("data-ready", "1");
  });
})();
