from d4sme_kg.cli import main

main()
