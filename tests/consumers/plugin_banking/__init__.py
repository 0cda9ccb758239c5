"""data-altinn-no/plugin-banking (Digitalt dødsbo, OED): flow.yaml is what it sends, models.py how strictly it reads
the answers, replay.py plays flow.yaml against a sandbox."""
