// Share: the phone's own share sheet (Zalo, Messenger, Facebook, …) where the browser has
// one; otherwise the details open on the link to copy (what the page shows without
// JavaScript).
document.querySelectorAll("details.share").forEach(function (d) {
  if (!navigator.share) return;
  d.querySelector("summary").addEventListener("click", function (e) {
    e.preventDefault();
    navigator.share({ title: document.title, url: d.dataset.url }).catch(function () {});
  });
});
