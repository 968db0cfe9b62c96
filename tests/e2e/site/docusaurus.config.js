// Minimal Docusaurus 3 site for reportgen's end-to-end test and `make preview`.
// BASE_URL (default "/") lets the test build the same site under a non-root baseUrl;
// LOCALES (default "en") the versioned, translated site of tests/e2e/test_versions.py.
const baseUrl = process.env.BASE_URL || "/";
const locales = (process.env.LOCALES || "en").split(",");

/** @type {import('@docusaurus/types').Config} */
module.exports = {
  title: "reportgen e2e",
  tagline: "The Mr. Glassy the Bot page, built for real",
  favicon: "img/favicon.ico",
  url: "http://127.0.0.1",
  baseUrl,
  onBrokenLinks: "throw",
  markdown: { hooks: { onBrokenMarkdownLinks: "throw", onBrokenMarkdownImages: "throw" } },
  i18n: { defaultLocale: "en", locales },
  presets: [
    [
      "classic",
      {
        // editUrl: every doc offers "Edit this page", but a generated page opts out
        docs: { routeBasePath: "/", sidebarPath: require.resolve("./sidebars.js"),
                editUrl: "https://example.invalid/edit/" },
        blog: false,
        pages: false,
        theme: {},
      },
    ],
  ],
  themeConfig: {
    navbar: { title: "reportgen e2e" },
    // the reader's system setting picks the theme; the e2e test opens the page in both
    colorMode: { respectPrefersColorScheme: true },
  },
};
