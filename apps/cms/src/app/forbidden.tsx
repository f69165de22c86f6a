import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="message-page">
      <h1>403: not allowed</h1>
      <p>Your account does not have access to this page or shop.</p>
      <p>
        <Link href="/cms">Back to your shops</Link>
      </p>
    </main>
  );
}
