// Bulk stock import and export (CSV and JSON).
export { exportStock, type ExportStockOptions, type ExportStockResult } from "./export-stock.ts";
export { importStock, type ImportStockOptions, type ImportStockResult } from "./import-stock.ts";
export { parseStockFile, type ParseStockFileOptions } from "./parse-stock-file.ts";
export {
  previewStockImport,
  type PreviewStockImportOptions,
  type StockImportAction,
  type StockImportLevel,
  type StockImportChange,
  type StockImportPreview,
  type StockImportSnapshot,
} from "./preview-stock-import.ts";
export { serialiseStockFile, type SerialiseStockFileOptions } from "./serialise-stock-file.ts";
export {
  STOCK_CSV_COLUMNS,
  STOCK_CSV_REQUIRED_COLUMNS,
  STOCK_FILE_CONTENT_TYPES,
  STOCK_FILE_FORMATS,
  STOCK_FILE_MAX_BYTES,
  STOCK_FILE_MAX_ROWS,
  VARIANT_COLUMN_PREFIX,
  isStockFileFormat,
  type ParsedStockRow,
  type StockCsvColumn,
  type StockFileDocument,
  type StockFileFormat,
  type StockFileItem,
} from "./stock-file-format.ts";
