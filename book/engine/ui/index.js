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

/** Start every explorer under `root` not started yet; returns them. */
export function start(root = document) {
  const started = [];
  for (const element of root.querySelectorAll("[data-gradnotes-explorer]")) {
    if (element.gradnotesExplorer) continue;
    const kind = KINDS[element.dataset.gradnotesExplorer];
    const script = element.querySelector("script.gradnotes-config");
    if (!kind || !script) {
      console.warn(`gradnotes: no explorer for data-gradnotes-explorer=${element.dataset.gradnotesExplorer}`);
      continue;
    }
    element.gradnotesExplorer = new LiveExplorer(element, JSON.parse(script.textContent), kind);
    started.push(element.gradnotesExplorer);
  }
  return started;
}

start();
