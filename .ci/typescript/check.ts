// Compiled (never run) by .ci/client.sh against the types openapi-typescript
// generates from /api/schema/: the document must give a TypeScript client
// the shapes a caller uses (pages, contents, list filters as arrays).

import type { components, paths } from "./schema";

type Content = components["schemas"]["Content"];
type ContentPage = paths["/api/contents/"]["get"]["responses"][200]["content"]["application/json"];
type ListQuery = NonNullable<paths["/api/contents/"]["get"]["parameters"]["query"]>;

const query: ListQuery = { genre: ["6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a51"], search: "matrix", page: 1 };
const names = (page: ContentPage): string[] => page.results.map((c: Content) => c.name);
const cast: string[] = ([] as Content[]).flatMap((c) => c.cast);
export { query, names, cast };
