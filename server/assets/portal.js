// The portal's only script: conveniences over pages that work without it.
// - A filter marked data-autosubmit sends its form when it changes (no Apply click).
document.documentElement.classList.add("js");
for (const field of document.querySelectorAll("[data-autosubmit]")) {
  field.addEventListener("change", () => field.form?.requestSubmit());
}
