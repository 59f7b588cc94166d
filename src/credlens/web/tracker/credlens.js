/* credlens.js: reports one view of a credential page to credlens (docs/tracking.md).
 * <script src="https://CREDLENS/t/credlens.js" data-token="TOKEN" async></script>
 * On the owner's own page add data-owner="OWNER_TOKEN" (or open the page with ?credlens_owner=OWNER_TOKEN):
 * the view is the owner's, and the page's share and download links are counted as the owner's.
 * No cookie, no storage, no fingerprinting: one request, without credentials. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var token = script.getAttribute("data-token");
  if (!token) return;
  var base = new URL(script.src).origin;
  var owner = script.getAttribute("data-owner") || "";
  try {
    var url = new URL(window.location.href);
    var given = url.searchParams.get("credlens_owner");
    if (given) {
      owner = owner || given;
      url.searchParams.delete("credlens_owner"); // a copied address must not carry the owner's token
      window.history.replaceState(window.history.state, "", url.toString());
    }
  } catch (e) { /* an address the URL parser refuses: no owner token from it */ }
  owner = owner.split("/").pop(); // the token, or the owner_view URL it ends

  var ref = "";
  try {
    var from = document.referrer ? new URL(document.referrer).hostname : "";
    if (from && from !== window.location.hostname) ref = from;
  } catch (e) { /* no referrer */ }

  var hit = base + "/t/p/" + encodeURIComponent(owner || token) + (ref ? "?ref=" + encodeURIComponent(ref) : "");
  if (window.fetch) {
    window.fetch(hit, { mode: "no-cors", credentials: "omit", keepalive: true, referrerPolicy: "no-referrer" })
      .catch(function () {});
  } else {
    new Image().src = hit;
  }

  if (!owner) return;
  // The owner's clicks on the page's tracked share and download links are the owner's.
  function ownLinks() {
    var prefixes = [base + "/t/s/" + token + "/", base + "/t/d/" + token + "/"];
    var anchors = document.querySelectorAll("a[href]");
    for (var i = 0; i < anchors.length; i++) {
      var href = anchors[i].href;
      for (var j = 0; j < prefixes.length; j++) {
        if (href.indexOf(prefixes[j]) === 0) {
          anchors[i].href = href.replace("/" + token + "/", "/" + owner + "/");
        }
      }
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ownLinks);
  else ownLinks();
})();
