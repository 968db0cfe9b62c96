import React, { useEffect, useState } from "react";
import useBaseUrl from "@docusaurus/useBaseUrl";
import "./reportgen.css";

/**
 * reportgen's page components (written by reportgen into src/components/; every prop is a
 * JSON literal the page passes). Colours come from the theme's CSS variables (Infima), so
 * each component is native in the light and the dark theme.
 */

/** 0.964 -> "96%", 0.9996 -> "over 99%" (a wrong answer is never "100%" sure); with
 * ``short``, ">99%" (for a caption). */
export function percent(p, short = false) {
  return p >= 0.995 ? (short ? ">99%" : "over 99%") : `${Math.round(p * 100)}%`;
}

/** "3-0018-8.png" -> [3, 18, 8] (true label, index in the test split, predicted), or null:
 * the thumbnail-name grammar of report.assets.thumbnail_name, for pages written before
 * reportgen passed the accessible names as props, and for the matrix's cell galleries. */
export function parseThumbnail(name) {
  const m = /^(\d+)-(\d+)-(\d+)\.[a-z]+$/i.exec(name);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/** The accessible name of a test image the model read: what a reader needs, no file name. */
export function readAs(index, label, predicted, probability) {
  const sure = typeof probability === "number" ? ` with ${percent(probability)} confidence` : "";
  return `test image ${index}: labelled ${label}, the model read ${predicted}${sure}`;
}

/**
 * One thumbnail of size x size px with the accessible name ``label``: the ``index``-th
 * thumbnail from cell ``first`` of a sprite sheet (``sheet``: useSheet's {url: resolved URL,
 * columns, rows, first}; one request for the whole gallery; the sheet, its size and the
 * thumbnail size come from the container's sheetStyle) or, without a sheet, the image at
 * ``src`` (loaded lazily).
 */
export function Thumbnail({ src, sheet, index = 0, size, label, border = "var(--ifm-color-emphasis-300)" }) {
  if (sheet) {
    const cell = (sheet.first || 0) + index;
    const col = cell % sheet.columns;
    const row = Math.floor(cell / sheet.columns);
    return <span role="img" aria-label={label} className="reportgen-thumb"
                 style={{ backgroundPosition: `-${col * size}px -${row * size}px` }} />;
  }
  return <img src={src} alt={label} width={size} height={size} loading="lazy" decoding="async"
              style={{ display: "block", imageRendering: "pixelated", border: `1px solid ${border}`,
                       boxSizing: "content-box", margin: "0 auto" }} />;
}

/** The CSS variables a container gives its sheet thumbnails (reportgen.css). */
export function sheetStyle(sheet, size, border) {
  const vars = { "--rg-size": `${size}px` };
  if (border) vars["--rg-border"] = border;
  if (!sheet) return vars;
  return { ...vars, "--rg-sheet": `url("${sheet.url}")`,
           "--rg-sheet-size": `${sheet.columns * size}px ${sheet.rows * size}px` };
}

/** useBaseUrl of a sheet prop ({url, columns, rows, first}); null without one. */
export function useSheet(sheet) {
  const url = useBaseUrl(sheet ? sheet.url : "/");
  return sheet ? { ...sheet, url } : null;
}

/**
 * A wrapping grid of captioned thumbnails, from one sprite sheet when there is one.
 *   id     HTML id of the grid
 *   size   px of one thumbnail
 *   sheet  {url (site URL), columns, rows, first}: the sheet, items from cell ``first`` on;
 *          null: each item's own file
 *   items  [{alt, caption, src}]: the accessible name, the visible caption (hidden from
 *          screen readers, which read the name) and the site URL of each thumbnail's file
 */
export function Thumbs({ id, size = 48, sheet, items = [] }) {
  const s = useSheet(sheet);
  const root = useBaseUrl("/");
  return (
    <div id={id} className="reportgen-thumbs" style={sheetStyle(s, size)}>
      {items.map((it, i) => (
        <figure key={i} style={{ width: Math.max(size, 76) }}>
          <Thumbnail sheet={s} index={i} size={size} label={it.alt}
                     src={it.src && root + it.src.replace(/^\//, "")} />
          <figcaption aria-hidden="true">{it.caption}</figcaption>
        </figure>
      ))}
    </div>
  );
}

/**
 * A region that scrolls sideways when its content (a markdown table) is wider than the
 * column, and takes keyboard focus so a keyboard reader can scroll it (WCAG 2.1.1).
 *   label  its accessible name
 *   id     its HTML id (optional)
 */
export function ScrollRegion({ label, id, children }) {
  return (
    <div className="reportgen-scroll" role="region" aria-label={label} tabIndex={0} id={id}>
      {children}
    </div>
  );
}

function rowPercent(count, total) {
  if (!count || !total) return "";
  const p = (100 * count) / total;
  return p < 0.05 ? "<0.1%" : p > 99.95 && count !== total ? ">99.9%" : `${p.toFixed(p === 100 ? 0 : 1)}%`;
}

function tint(color, amount) {
  return `color-mix(in srgb, var(${color}) ${amount.toFixed(1)}%, transparent)`;
}

/**
 * A confusion matrix as an HTML table: rows the true class, columns the predicted class,
 * each cell its count and its share of the row (the recall on the diagonal), tinted with the
 * theme's success (diagonal) and danger (mistakes) colours.
 *
 * With ``samples`` (the wrong-prediction gallery: {dirname, files: {label: names
 * "<true>-<idx>-<pred>.png"}, confidence: {label: probabilities}}) every mistake cell is a
 * link: it shows that cell's test images below the table, most confident first (without
 * JavaScript it goes to the true class's gallery row, ``#<wrongId><label>``), and the URL
 * ``#<id>-<true>-<predicted>`` opens it. Diagonal cells link to ``#<classId><label>``
 * (``digitId``: the same, as pages of reportgen 0.4 name it).
 *   id        HTML id of the table's region
 *   caption   the table's caption
 *   counts    n x n ints, rows true, columns predicted
 *   split     the split's name in the diagonal cells' accessible names ("test", "training")
 *   size      px of one thumbnail in the cell's panel
 *   assetsUrl site URL of the assets folder
 *   classes   the rows' (and columns') class names (default: their labels)
 *   labels    the rows' labels, null for a row that sums several classes (default 0 .. n-1)
 */
export function ConfusionMatrix({ id, caption, counts = [], samples, size = 48, classId, digitId,
                                  wrongId, split = "test", assetsUrl = "/assets/datasets/mnist",
                                  classes, labels }) {
  const diagonalId = classId ?? digitId;
  const labelOf = (i) => (labels ? labels[i] : i);
  const nameOf = (i) => (classes ? classes[i] : String(labelOf(i)));
  const rowOf = (label) => (labels ? labels.indexOf(label) : label);
  const [active, setActive] = useState(null);
  const base = useBaseUrl(`${assetsUrl}/${samples ? samples.dirname : ""}/`);
  const panelId = `${id}-panel`;
  useEffect(() => {
    if (!samples) return undefined;
    const open = () => {
      const m = new RegExp(`^#${id}-(\\d+)-(\\d+)$`).exec(window.location.hash);
      const t = m ? rowOf(Number(m[1])) : -1;
      const p = m ? rowOf(Number(m[2])) : -1;
      if (t >= 0 && p >= 0 && t !== p) setActive([t, p]);
    };
    open();
    window.addEventListener("hashchange", open);
    return () => window.removeEventListener("hashchange", open);
  }, [id, samples]);
  const rowTotals = counts.map((r) => r.reduce((a, b) => a + b, 0));
  const offMax = Math.max(1, ...counts.flatMap((r, t) => r.filter((_, p) => p !== t)));
  const cellsOf = (t, p) => {
    const files = (samples && samples.files[String(labelOf(t))]) || [];
    const conf = (samples && samples.confidence[String(labelOf(t))]) || [];
    return files.map((f, i) => [f, parseThumbnail(f), conf[i]]).filter(([, m]) => m && m[2] === labelOf(p));
  };
  const toggle = (t, p) => (e) => {
    e.preventDefault();
    const same = active && active[0] === t && active[1] === p;
    setActive(same ? null : [t, p]);
    window.history.replaceState(null, "", same ? window.location.pathname + window.location.search
                                               : `#${id}-${labelOf(t)}-${labelOf(p)}`);
  };
  const cell = (t, p) => {
    const c = counts[t][p];
    const pct = rowPercent(c, rowTotals[t]);
    const diagonal = t === p;
    const style = { background: !c ? undefined : diagonal ? tint("--ifm-color-success", 12 + 28 * (c / (rowTotals[t] || 1)))
      : tint("--ifm-color-danger", 10 + 35 * Math.sqrt(c / offMax)) };
    // the space keeps the count a word of its own in the cell's text ("969 98.9%")
    const body = <>{c.toLocaleString("en-US")}{pct && <>{" "}<small>{pct}</small></>}</>;
    // the accessible name starts with the cell's visible text (WCAG 2.5.3, label in name)
    const name = `${c.toLocaleString("en-US")}${pct ? ` ${pct}` : ""}: true ${nameOf(t)}, predicted ${nameOf(p)}`;
    const linked = labelOf(t) !== null && labelOf(p) !== null;
    let content = body;
    if (diagonal && c && diagonalId && linked) {
      content = <a href={`#${diagonalId}${labelOf(t)}`} aria-label={`${name}, read correctly; see the ${split} images of ${nameOf(t)}`}>{body}</a>;
    } else if (!diagonal && c && samples && linked) {
      const open = Boolean(active && active[0] === t && active[1] === p);
      content = (
        <a href={`#${wrongId}${labelOf(t)}`} id={`${id}-${labelOf(t)}-${labelOf(p)}`} aria-label={`${name} (${c.toLocaleString("en-US")} image${c === 1 ? "" : "s"})`} aria-expanded={open}
           aria-controls={panelId} onClick={toggle(t, p)} className={open ? "reportgen-cm-open" : undefined}>{body}</a>
      );
    }
    return <td key={p} style={style} className={diagonal ? "reportgen-cm-diagonal" : undefined}>{content}</td>;
  };
  const shown = active ? cellsOf(active[0], active[1]) : [];
  return (
    <div className="reportgen-cm">
      <ScrollRegion label={caption} id={id}>
        <table>
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th scope="col" className="reportgen-cm-corner">true ↓ <span style={{ whiteSpace: "nowrap" }}>pred. →</span></th>
              {counts.map((_, p) => <th key={p} scope="col">{nameOf(p)}</th>)}
            </tr>
          </thead>
          <tbody>
            {counts.map((row, t) => (
              <tr key={t}>
                <th scope="row">{nameOf(t)}</th>
                {row.map((_, p) => cell(t, p))}
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      {samples && (
        <div id={panelId} className="reportgen-cm-panel" role="region" aria-live="polite"
             aria-label={`${caption}: images of the selected cell`}>
          {active ? (
            <>
              <p>
                <strong>True {nameOf(active[0])}, predicted {nameOf(active[1])}:</strong> {shown.length} test
                image{shown.length === 1 ? "" : "s"}, most confident first.{" "}
                <button type="button" className="button button--sm button--secondary"
                        onClick={toggle(active[0], active[1])}>Close</button>
              </p>
              <div className="reportgen-thumbs" data-true={labelOf(active[0])} data-predicted={labelOf(active[1])}>
                {shown.map(([f, m, prob]) => (
                  <figure key={f} data-index={m[1]} style={{ width: Math.max(size, 72) }}>
                    <Thumbnail src={`${base}${m[0]}/${f}`} size={size} label={readAs(m[1], nameOf(active[0]), nameOf(active[1]), prob)} />
                    <figcaption aria-hidden="true">#{m[1]}{typeof prob === "number" ? ` ${percent(prob, true)}` : ""}</figcaption>
                  </figure>
                ))}
              </div>
            </>
          ) : (
            <p className="reportgen-cm-hint">Select a mistake cell of the table to see its images here.</p>
          )}
        </div>
      )}
    </div>
  );
}
