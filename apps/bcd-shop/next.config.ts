import { platformNextConfig } from "@acme/next-config";

export default platformNextConfig();
