// Characters left in a comment box, as the participant types (progressive enhancement:
// without JavaScript the box's maxlength and its "N characters at most" hint remain).
// Once typing starts the hint shows the characters left; a visually hidden polite live
// region repeats it for screen readers only when typing pauses, so it does not talk
// over every key press.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("textarea[maxlength][data-counter]");
  Array.prototype.forEach.call(boxes, function (box) {
    var limit = parseInt(box.getAttribute("maxlength"), 10);
    var hint = document.getElementById("limit-" + box.id.replace(/^q-/, ""));
    if (!(limit > 0) || !hint) { return; }
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    hint.parentNode.appendChild(spoken);
    var timer = null;
    function message() {
      var left = limit - box.value.length;
      var template = left >= 0 ? box.getAttribute("data-counter")
                               : box.getAttribute("data-counter-over");
      return template.replace("{n}", String(Math.abs(left)));
    }
    function update() {
      hint.textContent = message();
      hint.classList.add("counter");
      hint.classList.toggle("counter-over", box.value.length > limit);
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () { spoken.textContent = message(); }, 1000);
    }
    box.addEventListener("input", update);
    if (box.value.length) { update(); }  // a page sent back with its answers
  });
})();
