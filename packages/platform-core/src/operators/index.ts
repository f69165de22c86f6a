// CMS operators: accounts, roles, password checks and sign-in throttling.
export { authenticateOperator, type AuthenticateOperatorOptions } from "./authenticate-operator.ts";
export { createOperator, type CreateOperatorOptions } from "./create-operator.ts";
export { getOperator } from "./get-operator.ts";
export { revokeOperatorSessions } from "./revoke-operator-sessions.ts";
export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, type CreateOperatorInput } from "./operator-inputs.ts";
export { CLIENT_THROTTLE, EMAIL_THROTTLE, type ThrottlePolicy } from "./sign-in-throttle.ts";
export { OPERATOR_ROLES, operatorMay, type Operator, type OperatorAction, type OperatorRole } from "./types.ts";
