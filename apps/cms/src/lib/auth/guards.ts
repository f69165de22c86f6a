import {
  errorResponse,
  flushBackgroundWork,
  InventoryError,
  operatorMay,
  secretsEqual,
  type OperatorAction,
  type OperatorRole,
} from "@acme/platform-core";
import { forbidden, redirect } from "next/navigation";
import { after } from "next/server";
import { isSameOrigin } from "./same-origin";
import { getOperatorSession, type SessionOperator } from "./session";

export interface AccessRequirement {
  /** The shop the page or route acts on; the operator must be granted it. */
  shop?: string;
  /** "editor" to change stock, "admin" for every shop; "viewer" (default) to read. */
  role?: OperatorRole;
}

function actionFor(role: OperatorRole | undefined): OperatorAction {
  return role === "editor" || role === "admin" ? "edit" : "read";
}

/** Whether the operator passes the requirement. Admin-only pages need the admin role itself. */
export function meets(operator: SessionOperator, requirement: AccessRequirement): boolean {
  if (requirement.role === "admin" && operator.role !== "admin") return false;
  if (requirement.shop !== undefined) return operatorMay(operator, actionFor(requirement.role), requirement.shop);
  if (requirement.role === "editor") return operator.role !== "viewer";
  return !operator.disabled;
}

/**
 * For server components: the signed-in operator, or a redirect to /login
 * (anonymous) or the 403 page (a role or shop not granted).
 */
export async function requirePageOperator(
  requirement: AccessRequirement & { next?: string } = {},
): Promise<SessionOperator> {
  const operator = await getOperatorSession();
  if (!operator) redirect(`/login${requirement.next ? `?next=${encodeURIComponent(requirement.next)}` : ""}`);
  if (!meets(operator, requirement)) forbidden();
  return operator;
}

export interface OperatorRouteContext {
  request: Request;
  operator: SessionOperator;
  /** The `[shop]` route parameter, when the route asked for shop access. */
  shopId: string;
  params: Record<string, string>;
}

type RouteHandler = (
  request: Request,
  context: { params: Promise<Record<string, string | string[]>> },
) => Promise<Response>;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Wraps an API route: 401 without a session, 403 for a role or shop not
 * granted, and for state-changing methods 403 unless the request is
 * same-origin and echoes the session's CSRF token in `x-csrf-token`.
 * Thrown errors become JSON through the library's one error mapping.
 */
export function withOperatorRoute(
  requirement: { role?: OperatorRole; shop?: boolean },
  handler: (context: OperatorRouteContext) => Promise<Response>,
): RouteHandler {
  return async (request, context) => {
    const noStore = { "cache-control": "no-store" };
    try {
      const raw = await context.params;
      const params = Object.fromEntries(
        Object.entries(raw ?? {}).map(([key, value]) => [key, Array.isArray(value) ? value.join("/") : value]),
      );
      const operator = await getOperatorSession();
      if (!operator) throw new InventoryError("unauthorized", "Sign in first.");
      if (!SAFE_METHODS.has(request.method)) {
        const token = request.headers.get("x-csrf-token") ?? "";
        if (!isSameOrigin(request) || !secretsEqual(token, operator.csrfToken)) {
          throw new InventoryError(
            "forbidden",
            "The request did not come from a CMS page (origin or CSRF token missing or wrong).",
          );
        }
      }
      const shopId = requirement.shop ? (params.shop ?? "") : "";
      const allowed = meets(operator, {
        ...(requirement.role ? { role: requirement.role } : {}),
        ...(requirement.shop ? { shop: shopId } : {}),
      });
      if (!allowed) {
        throw new InventoryError(
          "forbidden",
          requirement.shop
            ? `You may not ${actionFor(requirement.role) === "edit" ? "change" : "see"} shop ${shopId}.`
            : "Your role does not allow this.",
        );
      }
      // Edits and imports may cross a low-stock threshold: let the alert finish after the answer.
      if (!SAFE_METHODS.has(request.method)) after(flushBackgroundWork);
      const response = await handler({ request, operator, shopId, params });
      if (!response.headers.has("cache-control")) response.headers.set("cache-control", "no-store");
      return response;
    } catch (error) {
      return errorResponse(error, { headers: noStore });
    }
  };
}
