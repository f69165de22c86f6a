export default function Home() {
  return <p>CMS</p>;
}
