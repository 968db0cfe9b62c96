import React from "react";
import useBaseUrl from "@docusaurus/useBaseUrl";
import { Thumbnail, sheetStyle, useSheet } from "./Reportgen";

/**
 * Dataset thumbnails of one class of one split: a row of the split's grid (``row``), or a
 * grid of its own headed by ``heading`` (the original page's layout).
 *
 * Props (written by reportgen as JSON literals; all but dirname, classdigit and imagePaths
 * optional, so a page written for the original component still renders):
 *   size       thumbnail width and height in px (number)
 *   heading    text above the grid, or the row's label
 *   dirname    split folder under assetsUrl ("train" | "test")
 *   classdigit the class's folder (its label, "0", "1", …)
 *   noun       what a class is called ("digit"; default "class"), for the accessible names
 *   imagePaths file names inside <assetsUrl>/<dirname>/<classdigit>/ ("<index:05d>.png")
 *   assetsUrl  site URL of the assets folder (default: the original page's,
 *              "/assets/datasets/mnist", so a page written for the original still renders)
 *   sheet      {url, columns, rows, first}: the split's sprite sheet (site URL), these
 *              thumbnails from cell ``first`` on; without it, one image file each
 *   row        true: a row of a grid, the heading as its label to the left
 *   id         HTML id (a link target)
 */
export default function ImagesTable({
  size = 112,
  heading = "",
  dirname,
  classdigit,
  imagePaths = [],
  assetsUrl = "/assets/datasets/mnist",
  noun = "class",
  sheet,
  row = false,
  id,
}) {
  const base = useBaseUrl(`${assetsUrl}/${dirname}/${classdigit}/`);
  const s = useSheet(sheet);
  const what = dirname === "train" ? "training" : dirname;
  const label = (name) => {
    const index = /^\d+/.exec(name);
    return `${what} image${index ? ` ${Number(index[0])}` : ""}: ${noun} ${heading || classdigit}`;
  };
  const thumbs = imagePaths.map((name, i) => (
    <Thumbnail key={name} src={base + name} sheet={s} index={i}
               size={size} label={label(name)} />
  ));
  if (row) {
    return (
      <figure id={id} className="reportgen-images-table reportgen-row" data-split={dirname} data-classdigit={classdigit}
              aria-label={`${noun} ${heading || classdigit}: ${imagePaths.length} ${what} images`} style={sheetStyle(s, size)}>
        <figcaption aria-hidden="true">{heading}</figcaption>
        <div>{thumbs}</div>
      </figure>
    );
  }
  return (
    <figure id={id} className="reportgen-images-table" data-split={dirname} data-classdigit={classdigit} style={{ margin: "1rem 0" }}>
      {heading && (
        <figcaption style={{ fontWeight: "bold", marginBottom: "0.5rem" }}>
          {heading}
        </figcaption>
      )}
      <div style={{ display: "flex", flexWrap: "wrap", gap: "8px" }}>
        {imagePaths.map((name, i) => (
          <div key={name} style={{ width: size, textAlign: "center" }}>
            {thumbs[i]}
            <div aria-hidden="true" style={{ fontSize: "0.7rem", wordBreak: "break-all" }}>{name}</div>
          </div>
        ))}
      </div>
    </figure>
  );
}
