// The catalog's names for the codes leads carry ("no_answer" is shown as "No answer", "fb" as
// "Facebook"): asked once by a screen; a code the catalog no longer has shows as itself.
export async function catalog_names(client) {
  const [statuses, sources] = await Promise.all([
    client.call("statuses.list").catch(() => ({items: []})),
    client.call("sources.list").catch(() => ({items: []})),
  ]);
  const name_of = (items) => {
    const names = new Map(items.map((x) => [x.code, x.name]));
    return (code) => (code ? names.get(code) ?? code : "");
  };
  return {
    statuses: statuses.items,
    status: name_of(statuses.items),
    source: name_of(sources.items)
  };
}
