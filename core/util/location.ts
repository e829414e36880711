/**
 * A location safe to print or record: a URL's password becomes `***` (a memory URL may carry the
 * database's credentials); anything that is not a URL with one is returned as it is.
 */
export function redactLocation(location: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return location;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    // Unparsable: keep what cannot be a password (the scheme) and hide the rest of the authority.
    return location.replace(/\/\/[^@/]*@/, "//***@");
  }
  if (url.password === "") return location;
  url.password = "***";
  return url.toString();
}
