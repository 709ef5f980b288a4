// Station map (Leaflet). Tiles come from settings.MAP_TILE_URL; without tiles the markers
// show on the township boundaries and the list below the map stays usable.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var el = document.getElementById("map");
  var dataEl = document.getElementById("map-data");
  if (!el || !dataEl || typeof L === "undefined") return;
  var data = JSON.parse(dataEl.textContent);
  var center = data.center || [29.87, 120.35];
  var map = L.map(el).setView(center, 14);
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 18, attribution: data.attribution || "" }).addTo(map);
  }
  // Township boundaries (map-areas.js) are the base layer: readable without any tiles.
  if (window.gbAreas) window.gbAreas(map, data.areas);
  var bounds = [center];
  L.circleMarker(center, { radius: 7, color: "#1565c0" }).addTo(map).bindPopup("您的位置");
  data.stations.forEach(function (s) {
    var m = L.circleMarker([s.lat, s.lng], { radius: 9, color: s.open ? "#2e7d32" : "#b71c1c" });
    var link = document.createElement("a");
    link.href = s.url;
    link.textContent = s.name + "（" + s.distance + "，" + s.status + "）";
    m.bindPopup(link).addTo(map);
    bounds.push([s.lat, s.lng]);
  });
  if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24] });
})();
