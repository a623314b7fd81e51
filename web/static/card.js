// The card page: Stripe.js collects the card in its own frame and confirms the order's
// PaymentIntent; the order page then waits for Stripe's webhook to mark the order paid.
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form || typeof Stripe !== "function") return;
  var stripe = Stripe(form.dataset.key);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var error = document.getElementById("card-error");
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    stripe.confirmCardPayment(form.dataset.secret, { payment_method: { card: card } }).then(function (r) {
      if (r.error) {
        error.textContent = r.error.message || "";
        button.disabled = false;
      } else {
        window.location.assign(form.dataset.done);
      }
    });
  });
})();
