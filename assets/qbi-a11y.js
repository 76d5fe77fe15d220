// Accessible names that match what the buttons show (WCAG 2.5.3, axe "label-content-name-mismatch").
// The theme and MyST-NB give some controls an aria-label that differs from their visible text;
// without it, the name is the visible text itself ("Search Ctrl+K", "Show code cell source").
document.addEventListener("DOMContentLoaded", () => {
  const fix = () => {
    for (const el of document.querySelectorAll(
        'summary[aria-label="Toggle hidden content"], .search-button__button[aria-label="Search"]')) {
      el.removeAttribute("aria-label");
    }
    const theme = document.querySelector(".theme-switch-button");
    if (theme && !theme.querySelector(".qbi-sr-only")) {
      const label = document.createElement("span");
      label.className = "qbi-sr-only";
      label.textContent = "Color mode";
      theme.appendChild(label);
      theme.removeAttribute("aria-label");
      for (const icon of theme.querySelectorAll("i[title]")) icon.setAttribute("aria-hidden", "true");
    }
    for (const btn of document.querySelectorAll("button.copybtn")) {
      if (!btn.getAttribute("aria-label")) btn.setAttribute("aria-label", "Copy");
    }
  };
  fix();
  setTimeout(fix, 500);   // buttons that other scripts add after loading (copy buttons)
});
