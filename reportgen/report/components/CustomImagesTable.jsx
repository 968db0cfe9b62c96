import React from "react";
import useBaseUrl from "@docusaurus/useBaseUrl";

/**
 * "3-0018-8.png" -> "3 → 8 (#18)" (true → predicted, test index), with the model's
 * probability of its answer when given (0.973 -> " 97.3%"); other names are shown as they are.
 */
function caption(name, probability) {
  const m = /^(\d+)-(\d+)-(\d+)\.[a-z]+$/i.exec(name);
  const text = m ? `${m[1]} → ${m[3]} (#${Number(m[2])})` : name;
  return typeof probability === "number" ? `${text} ${(probability * 100).toFixed(1)}%` : text;
}

/**
 * A grid of wrong predictions of one true digit, each captioned "true → predicted".
 *
 * Props (written by reportgen as JSON literals; all but imagePaths optional, so a page
 * written for the original component, with file names only, still renders):
 *   size       thumbnail width and height in px (number)
 *   heading    text above the grid
 *   dirname    folder under assetsUrl ("wrong-predictions")
 *   classdigit true digit folder ("0".."9"); without it the files lie in dirname itself
 *   imagePaths file names "<true>-<index>-<predicted>.png", in the order shown
 *   confidence the model's probability (0-1) of its answer, one per file (captions)
 *   captions   caption text, one per file (instead of the one made from the file name)
 *   id         HTML id of the grid (a link target)
 *   assetsUrl  site URL of the assets folder (default "/assets/datasets/mnist")
 */
export default function CustomImagesTable({
  size = 112,
  heading = "",
  dirname = "wrong-predictions",
  classdigit,
  imagePaths = [],
  confidence = [],
  captions = [],
  id,
  assetsUrl = "/assets/datasets/mnist",
}) {
  const folder = classdigit === undefined ? dirname : `${dirname}/${classdigit}`;
  const base = useBaseUrl(`${assetsUrl}/${folder}/`);
  const label = (name, i) => captions[i] ?? caption(name, confidence[i]);
  return (
    <figure id={id} className="reportgen-custom-images-table" data-classdigit={classdigit} data-dirname={dirname} style={{ margin: "1rem 0" }}>
      {heading && (
        <figcaption style={{ fontWeight: "bold", marginBottom: "0.5rem" }}>
          {heading} ({imagePaths.length})
        </figcaption>
      )}
      <div style={{ display: "flex", flexWrap: "wrap", gap: "8px" }}>
        {imagePaths.map((name, i) => (
          <div key={name} style={{ width: size, textAlign: "center" }}>
            <img
              src={base + name}
              alt={`wrong prediction ${label(name, i)}`}
              width={size}
              height={size}
              style={{ imageRendering: "pixelated", border: "1px solid #e99" }}
            />
            <div style={{ fontSize: "0.75rem" }}>{label(name, i)}</div>
          </div>
        ))}
      </div>
    </figure>
  );
}
