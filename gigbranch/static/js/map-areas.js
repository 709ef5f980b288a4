/* Region boundaries as a map's base layer (GeoJSON from the server): with no tile server
   (an intranet) the map still shows where each township lies, named at its centre.
   window.gbAreas(map, featureCollection) → the Leaflet layer (or null when empty). */
(function () {
  "use strict";
  window.gbAreas = function (map, areas) {
    var L = window.L;
    if (!L || !areas || !areas.features || !areas.features.length) return null;
    var pane = map.getPane("gb-areas") || map.createPane("gb-areas");
    pane.style.zIndex = 250; /* above tiles (200), below markers and shapes (400+) */
    var layer = L.geoJSON(areas, {
      pane: "gb-areas",
      renderer: L.svg({ pane: "gb-areas" }), /* a few shapes: SVG, even on canvas maps */
      interactive: false,
      style: function (f) {
        var current = f.properties && f.properties.current;
        return current
          ? { color: "#5c6b7a", weight: 2.5, fill: true, fillColor: "#ffffff", fillOpacity: 0.55, dashArray: null }
          : { color: "#7d8b99", weight: 1.2, fill: true, fillColor: "#f7f3e8", fillOpacity: 0.6, dashArray: "4 3" };
      },
      onEachFeature: function (f, shape) {
        var only = areas.features.length === 1;
        if (f.properties && f.properties.name && (only || !f.properties.current)) {
          shape.bindTooltip(f.properties.name, {
            permanent: true, direction: "center", className: "gb-area-label", pane: "gb-areas"
          });
        }
      }
    }).addTo(map);
    map.getContainer().setAttribute("data-areas", String(areas.features.length));
    return layer;
  };
})();
