// The threat assessment's county map: Leaflet, no tile server, the task force's counties drawn
// from GeoJSON the server builds from the vendored us-atlas shapes, shaded by score class.
// Loaded under the page's CSP nonce; without it the ranked table says the same.
(function () {
  "use strict";
  var COLOURS = { c0: "#f1eef6", c1: "#bdc9e1", c2: "#74a9cf", c3: "#2b8cbe", c4: "#045a8d", none: "#d9d9d9" };
  function start() {
    var el = document.getElementById("threat-map");
    if (!el || typeof L === "undefined") { return; }
    var printOnly = el.getAttribute("data-static") === "yes";
    var map = L.map(el, {
      attributionControl: false,
      zoomSnap: 0.25,
      scrollWheelZoom: false,
      dragging: !printOnly,
      zoomControl: !printOnly,
      keyboard: !printOnly
    });
    fetch(el.getAttribute("data-geojson"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: function (f) {
            return { color: "#1d2430", weight: 1, fillColor: COLOURS[f.properties["class"]] || COLOURS.none, fillOpacity: 0.85 };
          },
          onEachFeature: function (f, l) {
            var p = f.properties;
            var text = p.name + ": " + (p.score === null ? "no data" : "score " + p.score + " (rank " + p.rank + ")");
            l.bindTooltip(text, { sticky: true });
            if (p.href && !printOnly) {
              l.on("click", function () { window.location.href = p.href; });
            }
          }
        }).addTo(map);
        var bounds = layer.getBounds();
        if (bounds.isValid()) { map.fitBounds(bounds, { padding: [8, 8] }); }
        el.setAttribute("data-loaded", String(data.features.length));
      })
      .catch(function () { el.setAttribute("data-loaded", "failed"); });
    var print = document.querySelector("[data-print]");
    if (print) { print.addEventListener("click", function () { window.print(); }); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
