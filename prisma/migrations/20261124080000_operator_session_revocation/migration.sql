-- Signing out revokes the operator's sessions: a session cookie carries its
-- sign-in time, and one older than this is refused, so a copied cookie stops
-- working when its operator signs out.

-- AlterTable
ALTER TABLE "Operator" ADD COLUMN "sessionsValidFrom" TIMESTAMPTZ(3);
