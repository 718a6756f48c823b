// The live character count under a textarea; the limit itself is enforced by maxlength and the server.
document.addEventListener("input", function (event) {
  var out = event.target.id === "message" && document.getElementById("message-count");
  if (out) out.textContent = out.dataset.template.replace("%(n)s", event.target.value.length);
});
