// Reads VietQR payloads, one per line, and prints what the independent decoder
// (npm vietnam-qr-pay) reads from each, as one JSON object per line.
const { QRPay } = require("vietnam-qr-pay");
const lines = require("fs").readFileSync(0, "utf8").split("\n").filter((l) => l.length > 0);
for (const line of lines) {
  const qr = new QRPay(line);
  console.log(JSON.stringify({
    valid: qr.isValid,
    provider: qr.provider && qr.provider.name,
    bin: qr.consumer && qr.consumer.bankBin,
    account: qr.consumer && qr.consumer.bankNumber,
    amount: qr.amount,
    purpose: qr.additionalData && qr.additionalData.purpose,
    currency: qr.currency,
    nation: qr.nation,
  }));
}
