import React from "react";
import useBaseUrl from "@docusaurus/useBaseUrl";

/**
 * A grid of dataset thumbnails: one digit of one split.
 *
 * Props (written by reportgen as JSON literals):
 *   size       thumbnail width and height in px (number)
 *   heading    text above the grid
 *   dirname    split folder under assetsUrl ("train" | "test")
 *   classdigit digit folder ("0".."9")
 *   imagePaths file names inside <assetsUrl>/<dirname>/<classdigit>/
 *   assetsUrl  site URL of the assets folder (default "/assets/datasets/mnist")
 */
export default function ImagesTable({
  size = 112,
  heading = "",
  dirname,
  classdigit,
  imagePaths = [],
  assetsUrl = "/assets/datasets/mnist",
}) {
  const base = useBaseUrl(`${assetsUrl}/${dirname}/${classdigit}/`);
  return (
    <figure className="reportgen-images-table" data-split={dirname} data-classdigit={classdigit} style={{ margin: "1rem 0" }}>
      {heading && (
        <figcaption style={{ fontWeight: "bold", marginBottom: "0.5rem" }}>
          {heading}
        </figcaption>
      )}
      <div style={{ display: "flex", flexWrap: "wrap", gap: "8px" }}>
        {imagePaths.map((name) => (
          <div key={name} style={{ width: size, textAlign: "center" }}>
            <img
              src={base + name}
              alt={`digit ${classdigit}, ${dirname} image ${name}`}
              width={size}
              height={size}
              style={{ imageRendering: "pixelated", border: "1px solid #ccc" }}
            />
            <div style={{ fontSize: "0.7rem", wordBreak: "break-all" }}>{name}</div>
          </div>
        ))}
      </div>
    </figure>
  );
}
