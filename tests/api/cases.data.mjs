// Distinctive values the case tests send, which the after-checks look for in the server's
// output and under the data folder (they must be found nowhere).
export const SECRET = {
  name: 'Quillowendra',
  family: 'Tsembarova',
  other: 'Ilvarettine', // the second case's person
  document: 'QX7Z9W4K1',
  safety: 'Never phone the cousin in Drovask; only the aunt after dusk',
  note: 'Owes the smuggler Varkonyi for the crossing; afraid of the night shift',
  remarks: 'Picked saffron at Orlenbrook for the Castellane brothers', // a screening answer
  reason: 'Said the Pellinore debt was cleared before she left', // an official's reason
  needNote: 'Sleeps behind the Zelvakor depot; asthma inhaler lost',
  needNote2: 'Placed with the Orbenskaya family for now',
  taskTitle: 'Ring guardian Pellatrix Dunmorrow before the hearing',
  goal: 'Enrol at the Hollowmere night school for the Varn certificate',
  goal2: 'Open a bank account at Kestrelbury without the Dovan papers',
  ageGrounds: 'Told the Marrowind social worker she left school in Kesh last spring', // a decision's grounds
  referred: 'Referrinova', // the referred person's family name (referrals.test.mjs)
  feedback: 'Guardian Ms Abebe-Varentz appointed at the Tollmere hearing', // a provider's feedback
  rgGrounds: 'Passport kept by the Valdrissen farm manager; wages withheld since June',
  closureNote: 'Living with her cousin Ardelune in Mirevaux since the spring', // a closure request
  decisionNote: 'Follow-up visit with the Tamsworth outreach team agreed',
  glassReason: 'Found at the Quenbridge night shelter without papers', // break-glass
  transferNote: 'Needs the Orvaline safe house from tonight',
};
