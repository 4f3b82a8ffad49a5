// ketnap — the one script, progressive enhancement only: in the next-step form, show just the
// fields of the chosen step (without it every field is shown, each labelled with its steps).
(function () {
  var sel = document.getElementById('step-kind');
  if (!sel) return;
  var sets = document.querySelectorAll('[data-steps]');
  function sync() {
    for (var i = 0; i < sets.length; i++) {
      var steps = sets[i].getAttribute('data-steps').split(' ');
      sets[i].hidden = steps.indexOf(sel.value) < 0;
    }
  }
  sel.addEventListener('change', sync);
  sync();
})();
