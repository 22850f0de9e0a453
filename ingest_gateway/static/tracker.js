/* Strata tracker: pageviews (incl. SPA), strata.track(), purchases, engagement (time visible,
   deepest scroll, sent when a page is left or hidden); batched, retried, no cookies.
   <script defer src="https://GATEWAY/tracker.js" data-site="ST-XXXX"
           [data-api="https://GATEWAY"] [data-respect-dnt] [data-persist]></script> */
(function (w, d, n) {
  var s = d.currentScript, site = s && s.getAttribute("data-site");
  if (!site || w.strata) return;
  var api = (s.getAttribute("data-api") || new URL(s.src).origin) + "/api/v1/events";
  var dnt = s.hasAttribute("data-respect-dnt") && (n.doNotTrack == "1" || w.doNotTrack == "1");
  var store = s.hasAttribute("data-persist") ? w.localStorage : w.sessionStorage;
  var q = [], timer = 0, delay = 1000, last = null, K = "strata_cid", cid;
  var on = 0, acc = 0, depth = 0, de = d.documentElement;
  function uid() {
    return w.crypto && crypto.randomUUID ? crypto.randomUUID()
      : Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  try { cid = store.getItem(K) || uid(); store.setItem(K, cid); } catch (e) { cid = uid(); }
  function send(batch, beacon) {
    var body = JSON.stringify(batch);
    if (beacon && n.sendBeacon && n.sendBeacon(api, body)) return;
    fetch(api, { method: "POST", body: body, keepalive: beacon, headers: { "Content-Type": "text/plain" } })
      .then(function (r) { if (r.status >= 500 || r.status == 429) throw r; delay = 1000; })
      .catch(function () { q = batch.concat(q); delay = Math.min(delay * 2, 30000); schedule(delay); });
  }
  function flush(beacon) {
    clearTimeout(timer); timer = 0;
    if (q.length) { var b = q.splice(0, 50); send(b, beacon); if (q.length) schedule(0); }
  }
  function schedule(ms) { if (!timer) timer = setTimeout(flush, ms); }
  function push(type, extra, url) {
    if (dnt) return;
    var e = {
      tracking_id: site, client_id: cid, event_id: uid(), event_type: type,
      timestamp: new Date().toISOString(),
      page: { url: url || location.href, title: d.title, referrer: last === null ? d.referrer : last },
      context: { screen: screen.width + "x" + screen.height, language: n.language,
        timezone: Intl.DateTimeFormat().resolvedOptions().timeZone }
    };
    for (var k in extra) e[k] = extra[k];
    q.push(e);
    q.length >= 10 ? flush() : schedule(1000);
  }
  function tick() { // visible time adds up while the page is shown
    if (on) acc += Date.now() - on;
    on = d.visibilityState == "visible" ? Date.now() : 0;
  }
  function scrolled() {
    var h = de.scrollHeight || 1;
    depth = Math.max(depth, Math.min(100, Math.round((w.scrollY + w.innerHeight) / h * 100)));
  }
  function engage(url) { // report the page being left (or hidden) since its last report
    tick();
    if (acc > 0) push("engagement", { engagement: { engaged_ms: Math.min(acc, 864e5), scroll_depth: depth } }, url);
    acc = 0;
  }
  function pageview() {
    if (last === location.href) return;
    if (last !== null) engage(last);
    push("pageview"); last = location.href; depth = 0; scrolled(); tick();
  }
  w.addEventListener("scroll", scrolled, { passive: true });
  ["pushState", "replaceState"].forEach(function (m) {
    var orig = history[m];
    history[m] = function () { var r = orig.apply(this, arguments); pageview(); return r; };
  });
  w.addEventListener("popstate", pageview);
  w.addEventListener("pagehide", function () { engage(); flush(true); });
  d.addEventListener("visibilitychange", function () {
    if (d.visibilityState == "hidden") { engage(); flush(true); } else tick();
  });
  w.strata = {
    track: function (name, props, revenue) {
      push(revenue ? "purchase" : "event",
        { event_name: name, properties: props || undefined, revenue: revenue || undefined });
    },
    pageview: pageview
  };
  pageview();
})(window, document, navigator);
