// Typeset TeX into SVG with mathjax-full (run by gradnotes_math.py when the book is built).
//   node tex2svg.mjs <mathjax-full folder>   < {"pages": [{"id", "items": [{"tex", "display"}]}]}
// prints {"css": "...", "pages": [{"id", "svgs": [...], "cache": "<svg ...global glyph cache>", "errors": [...]}]}.
// One glyph cache per page (fontCache "global"): each glyph's path is written once per page.
import {createRequire} from 'module';
import {readFileSync} from 'fs';

const require = createRequire(process.argv[2] + '/');
const {mathjax} = require('./js/mathjax.js');
const {TeX} = require('./js/input/tex.js');
const {SVG} = require('./js/output/svg.js');
const {liteAdaptor} = require('./js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = require('./js/handlers/html.js');
for (const name of ['base/BaseConfiguration', 'ams/AmsConfiguration', 'newcommand/NewcommandConfiguration',
                    'noundefined/NoUndefinedConfiguration', 'boldsymbol/BoldsymbolConfiguration']) {
  require(`./js/input/tex/${name}.js`);
}

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const request = JSON.parse(readFileSync(0, 'utf8'));
const out = {pages: [], css: ''};
for (const page of request.pages) {
  const svg = new SVG({fontCache: 'global'});
  const tex = new TeX({packages: ['base', 'ams', 'newcommand', 'noundefined', 'boldsymbol']});
  const doc = mathjax.document('', {InputJax: tex, OutputJax: svg});
  const svgs = [], errors = [];
  for (const item of page.items) {
    const node = doc.convert(item.tex, {display: item.display});
    const html = adaptor.outerHTML(node);
    if (html.includes('data-mjx-error') || html.includes('merror')) {
      errors.push(item.tex);
    }
    svgs.push(html);
  }
  out.pages.push({id: page.id, svgs, errors, cache: adaptor.outerHTML(svg.pageElements(doc))});
  if (!out.css) {
    out.css = adaptor.textContent(svg.styleSheet(doc));
  }
}
process.stdout.write(JSON.stringify(out));
