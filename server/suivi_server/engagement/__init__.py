"""What the shopper does on the page besides reading it: choices a situation asks for, contacts
with a reason, opt-ins to updates on one parcel."""
