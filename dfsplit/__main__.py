from dfsplit.cli import main

main()
