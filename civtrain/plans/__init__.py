"""Annual training plans (ZZ-O1): planned classes, ZZ-T2 targets, filing with the bureau."""
