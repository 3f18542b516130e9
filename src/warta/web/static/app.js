// Shows each publication instant in the reader's own zone (the page prints the outlet's).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "long", day: "numeric",
    hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });
  for (const el of document.querySelectorAll("[data-instant]")) {
    const when = new Date(el.dataset.instant);
    if (Number.isNaN(when.getTime())) continue;
    el.textContent = `your time: ${format.format(when)} (${zone})`;
    el.title = el.dataset.instant;
  }
});
