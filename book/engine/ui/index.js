// Entry point of the live explorers (loaded as <script type="module"> only on pages that have one:
// book/_ext/gradnotes_engine.py). Each element [data-gradnotes-explorer] holds its configuration as
// JSON (gradnotes/widgets/_live.py); its kind says which explorer draws it.

import { activation } from "./activation.js";
import { LiveExplorer } from "./explorer.js";
import { gradient } from "./gradient.js";
import { init } from "./init.js";
import { rnn } from "./rnn.js";

/** Kind (the data-gradnotes-explorer value) -> its explorer. */
export const KINDS = Object.freeze({ gradient, init, activation, rnn });

/** Explorers start when they come this close to the screen (half a screen above or below it)... */
export const NEAR = "50% 0px";
/** ...and give back their large buffers when they are farther than this (three screens). */
export const FAR = "300% 0px";

/**
 * Prepare every explorer under `root`: each starts (allocates, computes, draws) only when it comes
 * near the screen, so a page with six explorers on a phone computes one or two at load. Each
 * element gets `gradnotesStart()`, which starts it now (for tests, and for printing: every explorer
 * starts before the page prints). Returns the elements.
 */
export function start(root = document) {
  const elements = [];
  for (const element of root.querySelectorAll("[data-gradnotes-explorer]")) {
    if (element.gradnotesStart) continue;
    const kind = KINDS[element.dataset.gradnotesExplorer];
    const script = element.querySelector("script.gradnotes-config");
    if (!kind || !script) {
      console.warn(`gradnotes: no explorer for data-gradnotes-explorer=${element.dataset.gradnotesExplorer}`);
      continue;
    }
    element.gradnotesStart = () => {
      if (!element.gradnotesExplorer) {
        element.gradnotesExplorer = new LiveExplorer(element, JSON.parse(script.textContent), kind);
        if (far) far.observe(element);
      }
      return element.gradnotesExplorer;
    };
    elements.push(element);
  }
  const watch = typeof IntersectionObserver === "function";
  const near = watch ? new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) {
        near.unobserve(entry.target);
        entry.target.gradnotesStart();
      }
    }
  }, { rootMargin: NEAR }) : null;
  const far = watch ? new IntersectionObserver((entries) => {
    for (const entry of entries) if (!entry.isIntersecting) entry.target.gradnotesExplorer.release();
  }, { rootMargin: FAR }) : null;
  for (const element of elements) {
    if (near) near.observe(element);
    else element.gradnotesStart();
  }
  window.addEventListener("beforeprint", () => elements.forEach((element) => element.gradnotesStart()));
  return elements;
}

start();
