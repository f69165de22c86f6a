import { platformNextConfig } from "@acme/next-config";

// The buyer leaves for Stripe by navigation (`location.assign`), which the shared CSP does not restrict.
export default platformNextConfig();
