/**
 * The style the code was already written in, made explicit where Prettier's
 * defaults would do the same, so that a reader need not know the defaults.
 * 120 columns: wide enough for a typical signature or SQL line, narrow enough
 * for two files side by side.
 *
 * @type {import("prettier").Config}
 */
const config = {
  printWidth: 120,
  tabWidth: 2,
  useTabs: false,
  semi: true,
  singleQuote: false,
  jsxSingleQuote: false,
  quoteProps: "as-needed",
  trailingComma: "all",
  bracketSpacing: true,
  arrowParens: "always",
  endOfLine: "lf",
};

export default config;
