export { default } from "@acme/prettier-config";
