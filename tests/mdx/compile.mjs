// Compile MDX files with @mdx-js/mdx (MDX 3, as Docusaurus 3 uses), plus front matter
// and GFM (remark-gfm) like Docusaurus. Prints one JSON line per file.
// Usage: node compile.mjs FILE...           -> {file, ok, js | error}
//        node compile.mjs --render FILE...  -> {file, ok, html, frontMatter | error}
// --render evaluates the compiled page with React and renders it to static HTML. The
// component imports reportgen writes (ImagesTable, CustomImagesTable, Reportgen's
// ConfusionMatrix, ScrollRegion and Thumbs, Docusaurus' ThemedImage and useBaseUrl) are
// replaced by stubs; any other import or export in the
// page (injected ESM) makes the evaluation fail.
import { readFile } from "node:fs/promises";
import { compile, evaluate } from "@mdx-js/mdx";
import yaml from "js-yaml";
import * as React from "react";
import * as runtime from "react/jsx-runtime";
import { renderToStaticMarkup } from "react-dom/server";
import remarkGfm from "remark-gfm";

const COMPONENT_IMPORT = /^import (ImagesTable|CustomImagesTable) from "@site\/src\/components\/\1";$/gm;
const REPORTGEN_IMPORT = /^import \{[\w, ]+\} from "@site\/src\/components\/Reportgen";$/gm;
// Docusaurus' own modules the page imports, replaced by stand-ins given as arguments
const THEME_IMPORT = /^import (ThemedImage from "@theme\/ThemedImage"|useBaseUrl from "@docusaurus\/useBaseUrl");$/gm;

function splitFrontMatter(text) {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  return m ? [yaml.load(m[1]), text.slice(m[0].length)] : [null, text];
}

function stub(name) {
  return (props) => React.createElement("figure", { "data-component": name },
    React.createElement("figcaption", null, props.heading));
}

// ThemedImage's stand-in shows both variants as <img data-theme="light|dark">
function themedImage({ alt, sources }) {
  return React.createElement(React.Fragment, null, ...Object.entries(sources).map(
    ([theme, src]) => React.createElement("img", { key: theme, alt, src, "data-theme": theme })));
}

const render = process.argv[2] === "--render";
let failed = 0;
for (const file of process.argv.slice(render ? 3 : 2)) {
  try {
    const [frontMatter, src] = splitFrontMatter(await readFile(file, "utf8"));
    if (render) {
      const body = src.replace(COMPONENT_IMPORT, "").replace(REPORTGEN_IMPORT, "")
        .replace(THEME_IMPORT, "");
      // useBaseUrl's stand-in (the identity) reaches the page as a global
      globalThis.useBaseUrl = (url) => url;
      const { default: Content } = await evaluate(body, { ...runtime, remarkPlugins: [remarkGfm] });
      const html = renderToStaticMarkup(React.createElement(Content, {
        components: { ImagesTable: stub("ImagesTable"), CustomImagesTable: stub("CustomImagesTable"),
          ThemedImage: themedImage, ConfusionMatrix: stub("ConfusionMatrix"), Thumbs: stub("Thumbs"),
          // the region's stand-in keeps its content (the markdown tables)
          ScrollRegion: ({ label, children }) => React.createElement("div",
            { "data-component": "ScrollRegion", "aria-label": label }, children) },
      }));
      console.log(JSON.stringify({ file, ok: true, html, frontMatter }));
    } else {
      const out = await compile(src, { jsx: true, remarkPlugins: [remarkGfm] });
      console.log(JSON.stringify({ file, ok: true, js: String(out) }));
    }
  } catch (err) {
    failed += 1;
    console.log(JSON.stringify({ file, ok: false, error: String(err.message || err) }));
  }
}
process.exit(failed ? 1 : 0);
