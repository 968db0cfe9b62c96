import React from "react";
import useBaseUrl from "@docusaurus/useBaseUrl";
import { Thumbnail, parseThumbnail, percent, readAs, sheetStyle, useSheet } from "./Reportgen";

/**
 * "3-0018-8.png" -> "3 → 8 (#18)" (true → predicted, test index), with the model's
 * probability of its answer when given (0.973 -> " 97.3%"); other names are shown as they are.
 */
function caption(name, probability) {
  const m = parseThumbnail(name);
  const text = m ? `${m[0]} → ${m[2]} (#${m[1]})` : name;
  return typeof probability === "number" ? `${text} ${(probability * 100).toFixed(1)}%` : text;
}

/**
 * Wrong predictions of one true class, most confident first: a row of the gallery's grid
 * (``row``: the true class as the row's label, each thumbnail captioned with the predicted
 * class and the model's confidence), or a grid of its own headed by ``heading``.
 *
 * Props (written by reportgen as JSON literals; all but imagePaths optional, so a page
 * written for the original component, with file names only, still renders):
 *   size       thumbnail width and height in px (number)
 *   heading    text above the grid, or the row's label
 *   dirname    folder under assetsUrl ("wrong-predictions")
 *   classdigit the true class's folder (its label); without it the files lie in dirname
 *   imagePaths file names "<true>-<index>-<predicted>.png", in the order shown
 *   confidence the model's probability (0-1) of its answer, one per file (captions)
 *   captions   caption text, one per file (instead of the one made from the file name)
 *   labels     accessible name, one per file (reportgen writes them; a page without them
 *              gets names made from the file names)
 *   noun       what a class is called ("digit"; default "class")
 *   id         HTML id of the grid (a link target)
 *   assetsUrl  site URL of the assets folder (default: the original page's,
 *              "/assets/datasets/mnist", so a page written for the original still renders)
 *   sheet      {url, columns, rows, first}: the gallery's sprite sheet, these thumbnails
 *              from cell ``first`` on; without it, one image file each
 *   row        true: a row of a grid
 */
export default function CustomImagesTable({
  size = 112,
  heading = "",
  dirname = "wrong-predictions",
  classdigit,
  imagePaths = [],
  confidence = [],
  captions = [],
  labels = [],
  noun = "class",
  id,
  assetsUrl = "/assets/datasets/mnist",
  sheet,
  row = false,
}) {
  const folder = classdigit === undefined ? dirname : `${dirname}/${classdigit}`;
  const base = useBaseUrl(`${assetsUrl}/${folder}/`);
  const s = useSheet(sheet);
  const label = (name, i) => {
    if (labels[i] !== undefined) return labels[i];
    const m = parseThumbnail(name);
    return m ? readAs(m[1], m[0], m[2], confidence[i]) : `wrong prediction ${captions[i] ?? caption(name, confidence[i])}`;
  };
  const short = (name, i) => {
    const m = parseThumbnail(name);
    if (captions[i] !== undefined || !m) return captions[i] ?? caption(name, confidence[i]);
    return `→${m[2]}${typeof confidence[i] === "number" ? ` ${percent(confidence[i], true)}` : ""}`;
  };
  const border = "var(--ifm-color-danger-light)";
  const items = imagePaths.map((name, i) => {
    const thumb = <Thumbnail src={base + name} sheet={s} index={i} size={size}
                             label={label(name, i)} border={border} />;
    return row ? (
      <figure key={name} className="reportgen-wrong">
        {thumb}
        <figcaption aria-hidden="true">{short(name, i)}</figcaption>
      </figure>
    ) : (
      <figure key={name} style={{ width: size, margin: 0, textAlign: "center" }}>
        {thumb}
        <figcaption aria-hidden="true" style={{ fontSize: "0.75rem" }}>{captions[i] ?? caption(name, confidence[i])}</figcaption>
      </figure>
    );
  });
  if (row) {
    return (
      <figure id={id} className="reportgen-custom-images-table reportgen-row" data-classdigit={classdigit} data-dirname={dirname}
              aria-label={`true ${noun} ${heading || classdigit}: ${imagePaths.length} wrong prediction${imagePaths.length === 1 ? "" : "s"}`}
              style={sheetStyle(s, size, border)}>
        <figcaption aria-hidden="true">{heading}</figcaption>
        <div>{items}</div>
      </figure>
    );
  }
  return (
    <figure id={id} className="reportgen-custom-images-table" data-classdigit={classdigit} data-dirname={dirname} style={{ margin: "1rem 0" }}>
      {heading && (
        <figcaption style={{ fontWeight: "bold", marginBottom: "0.5rem" }}>
          {heading} ({imagePaths.length})
        </figcaption>
      )}
      <div style={{ display: "flex", flexWrap: "wrap", gap: "8px" }}>{items}</div>
    </figure>
  );
}
