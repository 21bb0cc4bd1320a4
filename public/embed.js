// Inside the office portal's iframe: tell the portal how tall the page is whenever that changes,
// and when an opening has been offered. Messages go only to the portal's own origin.
(function () {
  var meta = document.querySelector('meta[name="asap-portal-origin"]');
  if (!meta || window.parent === window) return;
  var origin = meta.getAttribute("content");
  var last = 0;
  function report() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "asap:resize", height: height }, origin);
    }
  }
  function start() {
    report();
    if (window.ResizeObserver) new ResizeObserver(report).observe(document.body);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  document.addEventListener("asap:offer-sent", function (event) {
    var detail = {};
    try { detail = JSON.parse(event.detail); } catch (e) { /* no detail */ }
    window.parent.postMessage({ type: "asap:offer-sent", scheduleNum: detail.scheduleNum, offers: detail.offers }, origin);
  });
})();
