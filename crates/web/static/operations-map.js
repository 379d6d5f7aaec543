// The operations map: Leaflet, no tile server. The task force's county outlines come from the
// vendored us-atlas shapes (as GeoJSON the server builds), the agency's operations are circles
// of their radius, and each conflict is a red ring on the agency's own operation (the other
// agency's place is never sent). Loaded under the page's CSP nonce; the tables below the map
// say the same without it.
(function () {
  "use strict";
  function start() {
    var el = document.getElementById("operations-map");
    if (!el || typeof L === "undefined") { return; }
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25, scrollWheelZoom: false });
    fetch(el.getAttribute("data-geojson"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var counties = data.features.filter(function (f) { return f.properties.layer === "county"; });
        var operations = data.features.filter(function (f) { return f.properties.layer === "operation"; });
        var conflicts = data.features.filter(function (f) { return f.properties.layer === "conflict"; });
        var outline = L.geoJSON({ type: "FeatureCollection", features: counties }, {
          style: function () { return { color: "#5b6575", weight: 1, fillColor: "#eef1f5", fillOpacity: 0.6 }; },
          onEachFeature: function (f, l) { l.bindTooltip(f.properties.name, { sticky: true }); }
        }).addTo(map);
        var drawn = L.featureGroup().addTo(map);
        // Circles know their bounds only once drawn, and nothing is drawn before the map has a
        // view: the extent is computed from each centre and radius instead.
        var extent = L.latLngBounds([]);
        function circle(f, style) {
          var c = f.geometry.coordinates;
          extent.extend(L.latLng(c[1], c[0]).toBounds(f.properties.radius_m * 2));
          return L.circle([c[1], c[0]], L.Util.extend({ radius: f.properties.radius_m }, style));
        }
        operations.forEach(function (f) {
          var p = f.properties;
          var shape = circle(f, {
            color: p.exempt ? "#6b6b6b" : "#1f4e8c", weight: 2, fillOpacity: 0.25,
            className: "operation-circle"
          });
          shape.bindTooltip(p.title + " (" + p.kind + "), " + p.window + (p.exempt ? ", exempt" : ""));
          shape.on("click", function () { window.location.href = p.href; });
          drawn.addLayer(shape);
        });
        conflicts.forEach(function (f) {
          var p = f.properties;
          var ring = circle(f, {
            color: p.open ? "#b00020" : "#7a4b00", weight: 4, dashArray: "6 4", fill: false,
            className: "operation-conflict"
          });
          ring.bindTooltip(p.text);
          ring.on("click", function () { window.location.href = p.href; });
          drawn.addLayer(ring);
        });
        var bounds = outline.getBounds();
        if (extent.isValid()) { bounds = bounds.isValid() ? bounds.extend(extent) : extent; }
        if (bounds.isValid()) { map.fitBounds(bounds, { padding: [8, 8] }); }
        el.setAttribute("data-operations", String(operations.length));
        el.setAttribute("data-conflicts", String(conflicts.length));
        el.setAttribute("data-loaded", String(data.features.length));
      })
      .catch(function () { el.setAttribute("data-loaded", "failed"); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
