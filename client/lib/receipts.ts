/**
 * Ballot receipts this browser holds, per vote. After the reveal the
 * participant's view looks for its own receipt among the counted ballots.
 */
const KEY = (voteId: string) => `stageboard:receipt:${voteId}`;

export function saveReceipt(voteId: string, receipt: string): void {
  try {
    localStorage.setItem(KEY(voteId), receipt);
  } catch {
    // Private browsing: the server still answers GET …/ballot with the receipt.
  }
}

export function loadReceipt(voteId: string): string | null {
  try {
    return localStorage.getItem(KEY(voteId));
  } catch {
    return null;
  }
}
