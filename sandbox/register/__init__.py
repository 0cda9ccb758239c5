"""The fake Customer Relations Overview ("KAR"): which banks know a party; which bank services an account."""
