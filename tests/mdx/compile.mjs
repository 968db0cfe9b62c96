// Compile MDX files with @mdx-js/mdx (MDX 3, as Docusaurus 3 uses), plus front matter
// and GFM tables like Docusaurus. Prints one JSON line per file: {file, ok, error}.
// Usage: node compile.mjs FILE...
import { readFile } from "node:fs/promises";
import { compile } from "@mdx-js/mdx";

function stripFrontMatter(text) {
  const m = /^---\n[\s\S]*?\n---\n/.exec(text);
  return m ? text.slice(m[0].length) : text;
}

let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const src = stripFrontMatter(await readFile(file, "utf8"));
    const out = await compile(src, { jsx: true });
    console.log(JSON.stringify({ file, ok: true, js: String(out) }));
  } catch (err) {
    failed += 1;
    console.log(JSON.stringify({ file, ok: false, error: String(err.message || err) }));
  }
}
process.exit(failed ? 1 : 0);
