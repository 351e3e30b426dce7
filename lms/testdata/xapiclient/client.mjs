// Sends statements to nudgebot with @xapi/xapi, a third-party xAPI client,
// as an LMS would; prints one JSON line per step for the Go test to check.
// Usage: node client.mjs ENDPOINT KEY SECRET
import XAPI from "@xapi/xapi";

const [endpoint, key, secret] = process.argv.slice(2);
const xapi = new XAPI({ endpoint, auth: XAPI.toBasicAuth(key, secret), adapter: "fetch" });
const out = (step, value) => console.log(JSON.stringify({ step, value }));

const about = await xapi.getAbout();
out("about", about.data.version);

const priya = { objectType: "Agent", name: "Priya Shah", mbox: "mailto:priya@example.com" };
const tom = { objectType: "Agent", name: "Tom Berg", mbox: "mailto:tom.berg@example.com" };
const one = await xapi.sendStatement({
  statement: {
    actor: priya,
    verb: XAPI.Verbs.COMPLETED,
    object: { objectType: "Activity", id: "https://lms.example.com/course/view.php?id=7",
      definition: { name: { "en-US": "Giving feedback" } } },
    result: { completion: true, duration: XAPI.calculateISO8601Duration(new Date("2026-06-02T08:00:00Z"), new Date("2026-06-02T08:25:00Z")) },
    timestamp: "2026-06-02T08:25:00Z",
  },
});
out("single", one.data);

const batch = await xapi.sendStatements({
  statements: [
    { actor: tom, verb: XAPI.Verbs.PASSED, object: { id: "https://cmi5.example.com/course/hard/au/2" }, timestamp: "2026-06-02T08:30:00Z" },
    { actor: tom, verb: XAPI.Verbs.COMPLETED, object: { id: "https://cmi5.example.com/course/hard/au/2" }, timestamp: "2026-06-02T08:31:00Z" },
    { actor: { mbox: "mailto:visitor@example.com" }, verb: XAPI.Verbs.COMPLETED, object: { id: "https://lms.example.com/course/view.php?id=7" } },
  ],
});
out("batch", batch.data);

const voided = await xapi.voidStatement({ actor: { mbox: "mailto:lms-admin@example.com" }, statementId: batch.data[1] });
out("void", voided.data);

const wrong = new XAPI({ endpoint, auth: XAPI.toBasicAuth(key, "not-the-secret"), adapter: "fetch" });
try {
  await wrong.sendStatement({ statement: { actor: priya, verb: XAPI.Verbs.COMPLETED, object: { id: "https://lms.example.com/course/view.php?id=7" } } });
  out("wrong-secret", "accepted");
} catch (e) {
  out("wrong-secret", "refused");
}
