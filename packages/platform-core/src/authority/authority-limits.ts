/** Bodies the inventory authority takes are small carts; anything larger is refused before parsing. */
export const AUTHORITY_MAX_BODY_BYTES = 64 * 1024;
