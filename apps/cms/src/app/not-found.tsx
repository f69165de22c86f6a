import Link from "next/link";

export default function NotFound() {
  return (
    <main className="message-page">
      <h1>404: not found</h1>
      <p>
        <Link href="/cms">Back to your shops</Link>
      </p>
    </main>
  );
}
