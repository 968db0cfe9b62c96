import React from "react";
import useBaseUrl from "@docusaurus/useBaseUrl";

/** "3-0018-8.png" -> "3 → 8" (true → predicted); other names are shown as they are. */
function caption(name) {
  const m = /^(\d+)-(\d+)-(\d+)\.[a-z]+$/i.exec(name);
  return m ? `${m[1]} → ${m[3]} (#${Number(m[2])})` : name;
}

/**
 * A grid of wrong predictions of one true digit, each captioned "true → predicted".
 *
 * Props (written by reportgen as JSON literals):
 *   size       thumbnail width and height in px (number)
 *   heading    text above the grid
 *   dirname    folder under assetsUrl ("wrong-predictions")
 *   classdigit true digit folder ("0".."9")
 *   imagePaths file names "<true>-<index>-<predicted>.png"
 *   assetsUrl  site URL of the assets folder (default "/assets/datasets/mnist")
 */
export default function CustomImagesTable({
  size = 112,
  heading = "",
  dirname = "wrong-predictions",
  classdigit,
  imagePaths = [],
  assetsUrl = "/assets/datasets/mnist",
}) {
  const base = useBaseUrl(`${assetsUrl}/${dirname}/${classdigit}/`);
  return (
    <figure className="reportgen-custom-images-table" data-classdigit={classdigit} style={{ margin: "1rem 0" }}>
      {heading && (
        <figcaption style={{ fontWeight: "bold", marginBottom: "0.5rem" }}>
          {heading} ({imagePaths.length})
        </figcaption>
      )}
      <div style={{ display: "flex", flexWrap: "wrap", gap: "8px" }}>
        {imagePaths.map((name) => (
          <div key={name} style={{ width: size, textAlign: "center" }}>
            <img
              src={base + name}
              alt={`wrong prediction ${caption(name)}`}
              width={size}
              height={size}
              style={{ imageRendering: "pixelated", border: "1px solid #e99" }}
            />
            <div style={{ fontSize: "0.75rem" }}>{caption(name)}</div>
          </div>
        ))}
      </div>
    </figure>
  );
}
