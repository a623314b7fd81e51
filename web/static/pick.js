// Place picker: a tap on the map fills the latitude and longitude fields and moves the
// marker there. The map's `data-bounds` are its corners (north west south east, degrees) in
// Web Mercator, as the server drew it. Without JavaScript the map shows the place saved and
// the fields are typed (or a pair pasted from a maps app into the first one).
document.querySelectorAll("svg[data-pick]").forEach(function (svg) {
  var b = svg.dataset.bounds.split(" ").map(Number);
  var lat = document.getElementById(svg.dataset.lat);
  var lon = document.getElementById(svg.dataset.lon);
  var marker = svg.querySelector(".picked");
  if (!lat || !lon || !marker || b.length !== 4) return;
  var merc = function (deg) {
    var r = (deg * Math.PI) / 180;
    return Math.log(Math.tan(r) + 1 / Math.cos(r));
  };
  var north = merc(b[0]);
  var south = merc(b[2]);
  var box = svg.viewBox.baseVal;
  svg.classList.add("pickable");
  svg.addEventListener("click", function (e) {
    var r = svg.getBoundingClientRect();
    var fx = (e.clientX - r.left) / r.width;
    var fy = (e.clientY - r.top) / r.height;
    if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return;
    var la = (Math.atan(Math.sinh(north - fy * (north - south))) * 180) / Math.PI;
    var lo = b[1] + fx * (b[3] - b[1]);
    lat.value = la.toFixed(5);
    lon.value = lo.toFixed(5);
    marker.setAttribute("cx", (fx * box.width).toFixed(2));
    marker.setAttribute("cy", (fy * box.height).toFixed(2));
    marker.classList.remove("none");
  });
});
